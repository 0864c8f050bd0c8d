// placeholder: the kernel arrives with issue 4
