"""The PayPulse Pulumi program: configuration, discovery, artifact builds and components."""
