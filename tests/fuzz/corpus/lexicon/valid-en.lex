unacceptable	negative	-3
still waiting	negative	-2.5
are you sure	doubt	-1.5
ASAP	pressure	-2
idiot	abuse	-4
unpaid	payment	-2
not	negator	-0.74
don't	negator	-0.74
very	booster	1.3
a bit	dampener	0.6
but	contrast	1.5
thanks	positive	0.3
great work	positive	3
