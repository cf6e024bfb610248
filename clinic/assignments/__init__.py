"""Assigning worksheets to couples, and the tokenized links partners answer through."""
