"""trendpath Trend Analysis Service."""
