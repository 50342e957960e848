"""Training stages: preference losses and the trainers that use them."""
