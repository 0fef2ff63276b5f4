"""The public data sets, their registry, where they are looked for and how they are fetched."""
