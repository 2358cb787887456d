// replaced by the synth stage
