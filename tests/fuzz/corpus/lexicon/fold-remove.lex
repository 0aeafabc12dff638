déçu	negative	-2
DÉÇU	negative	0
c’est nul	abuse	-3
cœur	positive	1
ﬁn	negative	-1
