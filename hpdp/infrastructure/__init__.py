"""Infrastructure: settings and the composition root."""
