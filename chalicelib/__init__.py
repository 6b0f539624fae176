"""The product's logic. Nothing below this package imports Chalice."""
