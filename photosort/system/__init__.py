"""Platform helpers without Qt or torch: Explorer integration, paths, resources."""
