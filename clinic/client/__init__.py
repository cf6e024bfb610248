"""The pages a partner opens through their link: no account, a phone, and privacy first."""
