"""One module per view of the dashboard, each with a `render(signature)`."""
