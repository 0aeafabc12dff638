# redflagd default English lexicon
