"""Documents drawn from the services' plain data (the referral packet as a PDF)."""
