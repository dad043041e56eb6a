"""The savings plan: every lever (caching, batch, downsizing, routing, distillation) priced on the same requests."""
