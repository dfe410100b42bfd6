"""A scan station: keyboard-wedge scanner input, its offline journal and its saved settings."""
