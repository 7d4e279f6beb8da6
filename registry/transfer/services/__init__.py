"""Transfer's use cases on the session: import (all or nothing), export, sync and the demo."""
