"""Services: engines joined to the store. The CLI and the API call these."""
