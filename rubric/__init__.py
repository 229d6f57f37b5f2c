"""The question bank: types, the guide importer, YAML banks and the rubric index."""
