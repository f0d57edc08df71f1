"""Forecasting the 4-week change of the Velocity Score (GRU, Time-Series Transformer, baselines).

Public API (see docs/forecasting.md):

- data: :class:`Panel`, :class:`WindowSpec`, :func:`check_panel`, :class:`PanelError`,
  :func:`demo_panel`, :func:`read_panel_csv`, :func:`write_panel_csv`, :func:`read_weekly_folder`
- the served recipe: :class:`Recipe`, :data:`SERVED` (what the product, the scheduled retrain,
  the CLI and the benchmark train), :data:`LITERAL_4_WEEKS`
- models: :class:`NeuralForecaster` (``"gru"`` / ``"tst"`` / ``"gru+tst"``), :class:`TrainConfig`,
  :class:`GRUConfig`, :class:`TSTConfig`, :class:`FitSettings`, and the baselines
  :class:`NaiveForecaster`, :class:`MeanForecaster`, :class:`RidgeForecaster`,
  :class:`LightGBMForecaster`
- evaluation: :func:`rolling_evaluation`, :class:`EvalConfig`
- registry and serving: :func:`ensure_model` (gate, last good model, baseline fallback),
  :func:`train_and_register`, :func:`latest_good`, :func:`load_latest_good`, :func:`load_model`,
  :func:`predict_all`, :class:`Predictor`, :class:`Forecast`, :func:`naive_forecast`
"""

from trendpath.trends.forecast.base import FitSettings, Forecast, Forecaster, naive_forecast
from trendpath.trends.forecast.baselines import (
    LightGBMForecaster,
    MeanForecaster,
    NaiveForecaster,
    RidgeForecaster,
)
from trendpath.trends.forecast.data import Issue, Panel, PanelError, WindowSpec, check_panel
from trendpath.trends.forecast.evaluate import EvalConfig, EvalResult, rolling_evaluation
from trendpath.trends.forecast.gru import GRUConfig
from trendpath.trends.forecast.panel_io import (
    demo_panel,
    read_panel_csv,
    read_weekly_folder,
    write_panel_csv,
)
from trendpath.trends.forecast.predict import Predictor, predict_all
from trendpath.trends.forecast.recipe import LITERAL_4_WEEKS, SERVED, Recipe
from trendpath.trends.forecast.registry import (
    LoadedModel,
    ModelRecord,
    RegistryError,
    ensure_model,
    latest_good,
    list_models,
    load_latest_good,
    load_model,
    train_and_register,
)
from trendpath.trends.forecast.train import NeuralForecaster, TrainConfig
from trendpath.trends.forecast.tst import TSTConfig

__all__ = [
    "LITERAL_4_WEEKS",
    "SERVED",
    "EvalConfig",
    "EvalResult",
    "FitSettings",
    "Forecast",
    "Forecaster",
    "GRUConfig",
    "Issue",
    "LightGBMForecaster",
    "LoadedModel",
    "MeanForecaster",
    "ModelRecord",
    "NaiveForecaster",
    "NeuralForecaster",
    "Panel",
    "PanelError",
    "Predictor",
    "Recipe",
    "RegistryError",
    "RidgeForecaster",
    "TSTConfig",
    "TrainConfig",
    "WindowSpec",
    "check_panel",
    "demo_panel",
    "ensure_model",
    "latest_good",
    "list_models",
    "load_latest_good",
    "load_model",
    "naive_forecast",
    "predict_all",
    "read_panel_csv",
    "read_weekly_folder",
    "rolling_evaluation",
    "train_and_register",
    "write_panel_csv",
]
