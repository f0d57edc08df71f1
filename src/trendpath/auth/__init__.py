"""trendpath OAuth Service."""
