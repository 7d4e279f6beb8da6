"""The mitigations page (Maatregelen): every mitigation with its filters and its gap."""
