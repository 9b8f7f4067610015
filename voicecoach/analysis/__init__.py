"""Pure measurement functions: arrays, segments and words in; result dataclasses out."""
