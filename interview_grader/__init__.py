"""Application plumbing shared by the CLI and the app: settings, paths, offline guards, token counting."""
