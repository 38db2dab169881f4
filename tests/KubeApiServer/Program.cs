Console.Error.WriteLine("KubeApiServer: not implemented yet");
return 2;
