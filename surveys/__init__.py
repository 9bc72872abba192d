"""What is asked: definition models, shipped definitions, survey sessions, answer storage."""
