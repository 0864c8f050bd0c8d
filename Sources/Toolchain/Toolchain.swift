// placeholder: the toolchain arrives with issue 4
