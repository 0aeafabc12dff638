# BOM and CRLF
ok		negative		-2.5  

  # comment
ok two	POSITIVE	1.5