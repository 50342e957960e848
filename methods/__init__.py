"""Built-in methods: one file per method, each registered with `harness.registry.register_method`."""
