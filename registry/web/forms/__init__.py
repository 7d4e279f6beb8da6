"""WTForms, one per use case. Labels and messages are lazily translated."""
