"""trendpath News Service."""
