"""OpenAPI loading, discovery, the operations model and request generation."""
