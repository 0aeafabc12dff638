# redflagd default French lexicon
