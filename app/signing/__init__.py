"""Plan PDFs and their PAdES signatures: rendering, signing identities, signing and validation.

No blueprint: these are service modules that the plan-version feature calls.
"""
