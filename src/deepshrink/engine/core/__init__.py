"""What every product shares: configs and option types, the one Trainer (fit), run artifacts, runtime."""
