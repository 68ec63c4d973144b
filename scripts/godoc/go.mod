module faceauth.local/godoc

go 1.22
