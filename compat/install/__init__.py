"""Install plans: ordered commands that end in a working install, and the registry checks."""
