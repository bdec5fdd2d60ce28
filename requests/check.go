package requests

type checker interface{}
