"""The bottom layer: the settings object and the offline guard. It imports nothing else of the product's."""
