"""AI Service domain: the Korean coach, value extraction, encoders, the persona vector space."""
