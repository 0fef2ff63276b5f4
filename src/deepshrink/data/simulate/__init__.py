"""The built-in simulators: bearing-fault recordings and run-to-failure lives."""
