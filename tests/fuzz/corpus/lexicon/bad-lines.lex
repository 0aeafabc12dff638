bad	grumpy	-1
bad	negative	2
bad	positive	-1
bad negative -1
bad	negative
bad	negative	1,5
bad ÿ	negative	-1
bad	booster	0.5
!!!	negative	-1
a b c d e f g h i	negative	-1
bad	negative	-1	extra
