"""The worksheet builder: therapists make worksheets with forms, never YAML."""
