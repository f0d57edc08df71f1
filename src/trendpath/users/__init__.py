"""trendpath User Service."""
