not	negator	-2
not not not	booster	4
not	negative	-4
not not	positive	4
not not not not not not not not	contrast	2
not, not. not! not
