"""File -> text -> parsed document -> graph records. Pure: no stores, no models."""
