"""The measurement harness: runners return flat records; CLIs append them to CSV."""
