"""Pure input and result models of workflows and activities; workflows import only these and domain."""
