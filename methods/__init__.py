"""Built-in methods: one module or package per method, each registered with
`harness.registry.register_method`; a package keeps the pieces only its method uses."""
