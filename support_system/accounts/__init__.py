"""The person using the app: who they are, their preferences and their stored API keys.

Pages and the CLI call these functions instead of opening database sessions themselves;
today there is one local user, and accounts with sign-in will be added here.
"""
