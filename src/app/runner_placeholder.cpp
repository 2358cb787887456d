// replaced by the study runner
