"""The commands of the accounts: `registry users …` and `registry tokens …`."""
