# fr
inadmissible	negative	-3
toujours pas	negative	-2
merci	positive	0.3
parfait	positive	3
pas	negator	-0.74
ne	negator	-0.74
n'	negator	-0.74
très	booster	1.3
un peu	dampener	0.6
mais	contrast	1.5
relance	pressure	-1.5
