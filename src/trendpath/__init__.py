"""trendpath: an AI career coach for Korean users."""

__version__ = "0.1.0"
